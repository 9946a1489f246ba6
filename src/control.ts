// The control plane between the main thread and the server threads (comlink
// over worker MessagePorts) and the shared control words.

/** Int32 slots of the control SharedArrayBuffer (its first cache line; doorbells follow, see channels.ts). */
export const CTRL_CLIENT_ID = 0;
export const CTRL_CLIENTS = 1;

export interface WorkerInit {
  index: number;
  threads: number;
  rings: SharedArrayBuffer[][];
  ringCapacity: number;
  control: SharedArrayBuffer;
  config: Record<string, string>;
  configFile: string | undefined;
  mainPort: unknown;
}

/** What the main thread offers the server threads. */
export interface MainApi {
  configSet(pairs: [string, string][]): Promise<string | null>;
  configRewrite(): Promise<string | null>;
  shutdown(mode: string): Promise<string | null>;
}

/** What each server thread offers the main thread. */
export interface WorkerApi {
  start(): Promise<void>;
  applyConfig(changed: Record<string, string>): void;
  stopListening(): Promise<void>;
  closeClients(): void;
}
