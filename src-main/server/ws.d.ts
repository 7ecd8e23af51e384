// Types for the `ws` package, which ships none (and @types/ws is not a dependency): only
// the parts Strata uses — the server side in ./socket.ts and ./server.ts, the client side
// in the tests.
declare module 'ws' {
  import type { ClientRequest, IncomingMessage } from 'node:http';
  import type { Duplex } from 'node:stream';

  export type RawData = Buffer | ArrayBuffer | Buffer[];

  export interface ClientOptions {
    /** Sent as the Origin header (browsers always send one; `ws` only when told). */
    origin?: string;
    headers?: Record<string, string>;
    maxPayload?: number;
  }

  export class WebSocket {
    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    static readonly CLOSING: 2;
    static readonly CLOSED: 3;
    constructor(address: string | URL, options?: ClientOptions);
    readonly OPEN: 1;
    readonly readyState: 0 | 1 | 2 | 3;
    /** Bytes queued by send() and not yet written to the network. */
    readonly bufferedAmount: number;
    send(data: string | Buffer, callback?: (error?: Error) => void): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    /** The DOM-style interface (what a browser's WebSocket has): text messages arrive as strings in `data`. */
    addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: unknown) => void): void;
    on(event: 'open', listener: () => void): this;
    on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'unexpected-response', listener: (request: ClientRequest, response: IncomingMessage) => void): this;
    once(event: 'open', listener: () => void): this;
    once(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this;
    once(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
    once(event: 'unexpected-response', listener: (request: ClientRequest, response: IncomingMessage) => void): this;
  }

  export interface ServerOptions {
    /** Upgrades are handed over with handleUpgrade() by an http server of our own. */
    noServer: true;
    /** Frames larger than this close the connection (1009). */
    maxPayload?: number;
  }

  export class WebSocketServer {
    constructor(options: ServerOptions);
    readonly clients: Set<WebSocket>;
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, callback: (socket: WebSocket, request: IncomingMessage) => void): void;
    close(callback?: (error?: Error) => void): void;
  }

  export default WebSocket;
}
