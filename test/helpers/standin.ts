/** Drives the PowerShell stand-in (emulator/bin/pwsh) over its line protocol. */
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as readline from "readline";

import { FRAME_MARKER } from "../../protocol/host-protocol";

/** A parsed answer line (HostReady or HostResponse). */
export interface Answer {
  type?: string;
  psVersion?: string;
  id?: number;
  ok?: boolean;
  output?: Record<string, unknown>[];
  error?: { message: string; fullyQualifiedErrorId: string; category: string; exceptionType: string };
}

/** A running stand-in process. */
export class StandIn {
  readonly proc: ChildProcessWithoutNullStreams;
  private lines: string[] = [];
  private waiters: ((l: string | null) => void)[] = [];
  private closed = false;
  /** Exit code once the process exited. */
  exitCode: Promise<number | null>;

  constructor(pwshPath: string, env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(pwshPath, ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", "/nonexistent/teams-host.ps1"], {
      env: { ...process.env, ...env },
      stdio: "pipe",
    });
    const rl = readline.createInterface({ input: this.proc.stdout });
    rl.on("line", (raw) => {
      // Frames only (protocol/host-protocol.ts framing): stray text is not part of the protocol.
      const at = raw.indexOf(FRAME_MARKER);
      if (at < 0) return;
      const l = raw.slice(at);
      const w = this.waiters.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    this.exitCode = new Promise((resolve) => {
      this.proc.on("exit", (code) => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(null);
        resolve(code);
      });
    });
  }

  /** Next stdout line (null once the process is gone). */
  nextLine(timeoutMs = 10_000): Promise<string | null> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("stand-in did not answer in time")), timeoutMs);
      this.waiters.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  }

  /** Writes one raw line. */
  writeLine(line: string): void {
    this.proc.stdin.write(line + "\n");
  }

  /** Sends a request object and returns the parsed answer (null if the process died). */
  async request(o: object): Promise<Answer | null> {
    this.writeLine(JSON.stringify(o));
    const l = await this.nextLine();
    return l === null ? null : (JSON.parse(l) as Answer);
  }

  /** Ends stdin and waits for exit. */
  async close(): Promise<number | null> {
    if (!this.closed) this.proc.stdin.end();
    return this.exitCode;
  }
}
