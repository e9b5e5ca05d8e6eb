/**
 * The protocols benchmark's backends in a process of their own (so the client's event loop does
 * not share a core with them): a WebSocket echo server and a gRPC echo server on loopback. Prints
 * `{"ws":<port>,"grpc":<port>}` once both listen; exits when stdin closes.
 */
import { startGrpcBackend } from '../../test/helpers/grpc-backends.js';
import { startWsBackend } from '../../test/helpers/ws-backends.js';

const [ws, grpc] = await Promise.all([startWsBackend('ws'), startGrpcBackend('grpc')]);
process.stdout.write(`${JSON.stringify({ ws: ws.port, grpc: grpc.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all([ws.close(), grpc.close()]).then(() => process.exit(0));
});
