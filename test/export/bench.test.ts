/** The export benchmark's harness measures what it claims (counts only; timings live in bench/results). */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { benchExport } from "../../bench/export";

test("bench: an export of 60 accounts is one listing, ⌈61 / 20⌉ user batches plus SKUs and inventory, and no write", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbn-bench-export-"));
  try {
    const r = await benchExport(60, 0.01, dir);
    expect(r.ok).toBe(true);
    expect(r.writes).toEqual({});
    expect(r.calls.cmdletReads).toBe(1);
    expect(r.calls.connects).toBe(1);
    expect(r.pwshProcesses).toBe(1);
    expect(r.calls.graphReads).toBe(61 + 2);
    expect(r.calls.graphHttp).toBeLessThanOrEqual(Math.ceil(61 / 20) + 2);
    expect(r.exported + r.decisions + r.skipped).toBe(61);
    // A large tenant shows progress while its users are read (every 10 %).
    expect(r.userProgressLines.length).toBeGreaterThanOrEqual(5);
    expect(r.userProgressLines.at(-1)).toMatch(/\] users 61\/61$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
