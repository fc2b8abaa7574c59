/** Tuning knobs (provider/tuning.ts): defaults, milliseconds, and counts that must be whole numbers. */
import { SettingsError } from "../../provider/settings";
import { resolveTuning } from "../../provider/tuning";

describe("resolveTuning", () => {
  test("defaults: the PowerShell pool holds up to 4 hosts and grows past 8 waiting cmdlets per host", () => {
    const t = resolveTuning({});
    expect({ hosts: t.pwshHosts, backlog: t.pwshHostBacklog, window: t.graphBatchWindowMs }).toEqual({
      hosts: 4,
      backlog: 8,
      window: 20,
    });
  });

  test("a count takes whole numbers ≥ its minimum, and says so naming the variable", () => {
    expect(resolveTuning({ TEAMS_PWSH_HOSTS: "1" }).pwshHosts).toBe(1);
    expect(() => resolveTuning({ TEAMS_PWSH_HOSTS: "2.5" })).toThrow(
      new SettingsError(
        'TEAMS_PWSH_HOSTS (PowerShell hosts at most) must be a whole number ≥ 1, got "2.5"; unset it for the default 4.',
      ),
    );
    expect(() => resolveTuning({ TEAMS_PWSH_HOST_BACKLOG: "0" })).toThrow(/TEAMS_PWSH_HOST_BACKLOG .* ≥ 1, got "0"/);
  });

  test("milliseconds still take fractions", () => {
    expect(resolveTuning({ TEAMS_POLL_INTERVAL_MS: "12.5" }).pollIntervalMs).toBe(12.5);
    expect(() => resolveTuning({ TEAMS_POLL_INTERVAL_MS: "soon" })).toThrow(
      /TEAMS_POLL_INTERVAL_MS \(poll interval\) must be a number of milliseconds ≥ 1, got "soon"/,
    );
  });
});
