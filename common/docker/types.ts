/** The parts of Docker's inspect and event JSON the toolkit reads, in Docker's field names. */

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface ContainerInspect {
  Id: string;
  Name: string; // "/name"
  Created?: string;
  Config: {
    Hostname?: string;
    Image: string;
    Env: string[] | null;
    Labels: Record<string, string> | null;
    ExposedPorts?: Record<string, object> | null;
    Healthcheck?: { Test?: string[] } | null;
    StopSignal?: string;
  };
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    ExitCode: number;
    Health?: { Status: 'starting' | 'healthy' | 'unhealthy' | string } | null;
  };
  HostConfig: {
    NetworkMode?: string;
    PortBindings?: Record<string, PortBinding[] | null> | null;
  };
  NetworkSettings: {
    IPAddress?: string;
    Ports?: Record<string, PortBinding[] | null> | null;
    Networks?: Record<string, { IPAddress: string; NetworkID?: string }> | null;
  };
}

export interface DockerEvent {
  Type: 'container' | 'network' | string;
  Action: string; // start, die, kill, stop, health_status: healthy, rename, pause, unpause, connect, disconnect
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}
