/** The subset of Consul's JSON that the toolkit reads, in Consul's own field names. */

export interface ConsulCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: 'passing' | 'warning' | 'critical' | 'maintenance' | string;
  Notes?: string;
  Output?: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags?: string[];
}

export interface ConsulNode {
  ID?: string;
  Node: string;
  Address: string;
  Datacenter?: string;
  TaggedAddresses?: Record<string, string> | null;
  Meta?: Record<string, string> | null;
}

export interface ConsulAgentService {
  ID: string;
  Service: string;
  Tags: string[] | null;
  Meta: Record<string, string> | null;
  Port: number;
  Address: string;
}

export interface ConsulHealthEntry {
  Node: ConsulNode;
  Service: ConsulAgentService;
  Checks: ConsulCheck[];
}

export interface ConsulKvPair {
  Key: string;
  Value: string | null; // base64
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex?: number;
  Session?: string;
}

export interface ConsulCheckDefinition {
  CheckID?: string;
  Name?: string;
  Notes?: string;
  HTTP?: string;
  Method?: string;
  TLSSkipVerify?: boolean;
  TCP?: string;
  Args?: string[];
  GRPC?: string;
  GRPCUseTLS?: boolean;
  TTL?: string;
  Interval?: string;
  Timeout?: string;
  Status?: string;
  DeregisterCriticalServiceAfter?: string;
}

export interface ConsulServiceDefinition {
  ID: string;
  Name: string;
  Tags?: string[];
  Address?: string;
  Port?: number;
  Meta?: Record<string, string>;
  Checks?: ConsulCheckDefinition[];
}

/** One answer of a (possibly blocking) read: the data and the index to block on next. */
export interface Blocking<T> {
  data: T;
  index: number;
  knownLeader: boolean;
  lastContactMs: number;
}

export interface QueryOptions {
  /** X-Consul-Index of the previous answer; 0 or absent means do not block. */
  index?: number;
  /** Longest time Consul may hold the request, in ms (Consul caps it at 10 minutes). */
  waitMs?: number;
  /** Allow any server to answer (stale reads). */
  stale?: boolean;
  dc?: string;
  signal?: AbortSignal;
}
