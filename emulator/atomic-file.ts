/** Crash-safe file writes. */
import * as crypto from "crypto";
import * as fs from "fs";

/** Writes a file atomically: temp file, fsync, rename. */
export function writeAtomic(file: string, data: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  const fd = fs.openSync(tmp, "w", mode);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
