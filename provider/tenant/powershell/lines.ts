/**
 * The host's line protocol (protocol/host-protocol.ts) over one process's pipes: JSON request
 * lines in, framed replies out (found with `findFrame`, wherever the marker starts in a line), one
 * request pending at a time, answered by id; the first frame is HostReady. A line without a frame
 * is not protocol: it goes to `stray` (the host keeps it with its stderr tail for error messages).
 */
import {
  findFrame,
  FRAME_MARKER,
  type HostReady,
  type HostRequest,
  type HostResponse,
} from "../../../protocol/host-protocol";

type Pending = { id: number; what: string; resolve: (r: HostResponse) => void; reject: (e: Error) => void };

/** The conversation with one host process. */
export class HostLines {
  private buffer = "";
  private pending: Pending | undefined;
  private waitingForReady: { resolve: (r: HostReady) => void; reject: (e: Error) => void } | undefined;

  constructor(
    /** Writes one line to the host's stdin. */
    private readonly write: (line: string) => void,
    /** Called when the host breaks the protocol (answers another id). */
    private readonly violated: (reason: string) => void,
    /** Gets each stdout line that carries no frame (warnings, progress, banners), never dropped silently. */
    private readonly stray: (line: string) => void = () => undefined,
  ) {}

  /** What the pending request runs, for error messages. */
  get pendingWhat(): string | undefined {
    return this.pending?.what;
  }

  /** Resolves with the HostReady line. */
  ready(): Promise<HostReady> {
    return new Promise<HostReady>((resolve, reject) => (this.waitingForReady = { resolve, reject }));
  }

  /** Sends one request; resolves with the response carrying its id. */
  request(request: HostRequest, what: string): Promise<HostResponse> {
    return new Promise<HostResponse>((resolve, reject) => {
      this.pending = { id: request.id, what, resolve, reject };
      this.write(JSON.stringify(request) + "\n");
    });
  }

  /** Takes a chunk of stdout; complete lines are handled in order. */
  feed(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  /** Fails whatever waits (the pending request, the ready line). */
  rejectAll(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
    this.waitingForReady?.reject(error);
    this.waitingForReady = undefined;
  }

  private onLine(line: string): void {
    const m = findFrame(line);
    if (!m) {
      this.stray(line);
      return;
    }
    const before = line.slice(0, line.indexOf(FRAME_MARKER)).trim();
    if (before) this.stray(before); // text that shared the frame's line
    if (m.type === "ready" && this.waitingForReady) {
      this.waitingForReady.resolve(m as HostReady);
      this.waitingForReady = undefined;
      return;
    }
    const pending = this.pending;
    if (!pending || typeof m.id !== "number") return;
    if (m.id !== pending.id) {
      this.violated(`answered request ${m.id} while ${pending.id} (${pending.what}) was pending`);
      return;
    }
    this.pending = undefined;
    pending.resolve(m as HostResponse);
  }
}
