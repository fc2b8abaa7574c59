/** Where the PowerShell host comes from: the pwsh executable, protocol/teams-host.ps1, and starting one. */
import { existsSync } from "fs";
import * as path from "path";
import execa from "execa";

import { NAMESPACE, SECRET_ENV } from "../../settings";

/** The directories above `dir` (itself first), up to the file system root. */
function above(dir: string): string[] {
  const dirs = [path.resolve(dir)];
  while (path.dirname(dirs[dirs.length - 1]!) !== dirs[dirs.length - 1])
    dirs.push(path.dirname(dirs[dirs.length - 1]!));
  return dirs;
}

/** The package root: the nearest directory above `dir` holding protocol/teams-host.ps1 (source tree or dist/…). */
function packageRoot(dir = __dirname): string | undefined {
  return above(dir).find((d) => existsSync(path.join(d, "protocol", "teams-host.ps1")));
}

/**
 * The executable to start: a bare name ("pwsh") is looked up on PATH; a relative path (as in a
 * stack config, e.g. emulator/bin/pwsh) is taken from the working directory or the package root,
 * since the engine may run the provider elsewhere.
 */
export function resolvePwshPath(configured: string, cwd = process.cwd()): string {
  if (!configured.includes("/") && !configured.includes("\\")) return configured;
  if (path.isAbsolute(configured)) return configured;
  const root = packageRoot();
  const candidates = [cwd, ...(root ? [root] : [])].map((r) => path.resolve(r, configured));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** Finds protocol/teams-host.ps1 above `dir` (this file's directory, in the source or in dist/). */
export function hostScriptPath(dir = __dirname): string {
  const root = packageRoot(dir);
  if (!root) throw new Error(`${NAMESPACE}: cannot find protocol/teams-host.ps1 in a directory above ${dir}`);
  return path.join(root, "protocol", "teams-host.ps1");
}

/** Starts `pwsh -File teams-host.ps1` with piped stdio, no secret in its environment or argv. */
export function spawnHost(pwshPath: string): execa.ExecaChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SECRET_ENV) delete env[name];
  return execa(resolvePwshPath(pwshPath), ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", hostScriptPath()], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    extendEnv: false,
    env,
    cleanup: true,
    windowsHide: true,
  });
}
