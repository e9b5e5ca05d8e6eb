import * as grpc from '@grpc/grpc-js';

const identity = (b: Buffer): Buffer => b;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});

/**
 * A gRPC service without a protobuf compiler: raw Buffers as messages. `Unary` answers
 * `<name>:<request>`, `Count` streams `<name>:<i>` for i < the number in the request, `Chat`
 * echoes every message of a bidirectional stream.
 */
export const ECHO_SERVICE = {
  Unary: method('Unary', false, false),
  Count: method('Count', false, true),
  Chat: method('Chat', true, true),
} satisfies grpc.ServiceDefinition;

export const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
export type EchoClientInstance = InstanceType<typeof EchoClient>;

export interface GrpcBackend {
  name: string;
  port: number;
  close(): Promise<void>;
}

/** A real gRPC server on loopback (HTTP/2 cleartext). */
export async function startGrpcBackend(name: string): Promise<GrpcBackend> {
  const server = new grpc.Server();
  const tag = (data: Buffer | string): Buffer => Buffer.from(`${name}:${String(data)}`);
  server.addService(ECHO_SERVICE, {
    Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>): void =>
      done(null, tag(call.request)),
    Count: (call: grpc.ServerWritableStream<Buffer, Buffer>): void => {
      const n = Number(String(call.request));
      for (let i = 0; i < n; i++) call.write(tag(String(i)));
      call.end();
    },
    Chat: (call: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
      call.on('data', (d: Buffer) => call.write(tag(d)));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return {
    name,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

/** A client of the echo service at `host:port` (cleartext HTTP/2). */
export function echoClient(address: string): EchoClientInstance {
  return new EchoClient(address, grpc.credentials.createInsecure());
}

export function unary(client: EchoClientInstance, text: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      ECHO_SERVICE.Unary.path,
      identity,
      identity,
      Buffer.from(text),
      { deadline: Date.now() + 5_000 },
      (e: grpc.ServiceError | null, res?: Buffer) => (e ? reject(e) : resolve(String(res))),
    ),
  );
}

export function serverStream(client: EchoClientInstance, n: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const call = client.makeServerStreamRequest(
      ECHO_SERVICE.Count.path,
      identity,
      identity,
      Buffer.from(String(n)),
    );
    call.on('data', (d: Buffer) => got.push(String(d)));
    call.on('error', reject);
    call.on('end', () => resolve(got));
  });
}

/** Sends each message and waits for its echo before the next; resolves with the echoes. */
export async function bidi(client: EchoClientInstance, messages: string[]): Promise<string[]> {
  const call = client.makeBidiStreamRequest(ECHO_SERVICE.Chat.path, identity, identity);
  const got: string[] = [];
  const failed = new Promise<never>((_r, reject) => call.on('error', reject));
  for (const m of messages) {
    const next = new Promise<string>((r) => call.once('data', (d: Buffer) => r(String(d))));
    call.write(Buffer.from(m));
    got.push(await Promise.race([next, failed]));
  }
  call.end();
  await Promise.race([new Promise((r) => call.on('end', r)), failed]);
  return got;
}
