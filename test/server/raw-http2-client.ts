// A bare HTTP/2 client over a TCP socket, for tests that need a client breaking the rules node:http2
// keeps (opening more streams than the server allows): it writes frames as told and collects the frames
// the server sends.
import * as net from 'node:net';

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, GOAWAY: 7 } as const;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

export class RawHttp2Client {
  readonly frames: Frame[] = [];
  readonly closed: Promise<void>;
  private pending = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.wake());
  }

  /** Connects and sends the connection preface with empty SETTINGS. */
  static async connect(port: number): Promise<RawHttp2Client> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const client = new RawHttp2Client(socket);
    socket.write(PREFACE);
    client.send(FRAME.SETTINGS, 0, 0, Buffer.alloc(0));
    return client;
  }

  send(type: number, flags: number, streamId: number, payload: Buffer): void {
    const header = Buffer.alloc(9);
    header.writeUIntBE(payload.length, 0, 3);
    header[3] = type;
    header[4] = flags;
    header.writeUInt32BE(streamId, 5);
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** Opens a stream with a POST to `path`; the body follows in data() unless `endStream`. */
  headers(streamId: number, path: string, endStream = false): void {
    const fields: [string, string][] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', path],
      [':authority', '127.0.0.1'],
    ];
    // HPACK literal fields without indexing, plain (not Huffman) strings shorter than 127 bytes.
    const block = Buffer.concat(fields.map(([name, value]) => Buffer.concat([Buffer.from([0, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)])));
    this.send(FRAME.HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block);
  }

  data(streamId: number, bytes: Buffer, endStream = false): void {
    this.send(FRAME.DATA, endStream ? END_STREAM : 0, streamId, bytes);
  }

  /** Resolves with the first frame received (or already received) that matches, or undefined once the connection closes. */
  async frame(matches: (frame: Frame) => boolean): Promise<Frame | undefined> {
    for (;;) {
      const found = this.frames.find(matches);
      if (found) return found;
      if (this.socket.destroyed) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 9) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < 9 + length) break;
      const frame = { type: this.pending[3]!, flags: this.pending[4]!, streamId: this.pending.readUInt32BE(5) & 0x7fffffff, payload: this.pending.subarray(9, 9 + length) };
      this.pending = this.pending.subarray(9 + length);
      this.frames.push(frame);
      // The server's SETTINGS want an acknowledgement, or it closes the session after a while.
      if (frame.type === FRAME.SETTINGS && (frame.flags & ACK) === 0) this.send(FRAME.SETTINGS, ACK, 0, Buffer.alloc(0));
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
