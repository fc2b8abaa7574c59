/**
 * Smoke run of the benchmark harness (bench/run.ts) at N = 3 on a tiny scale: both contenders,
 * every scenario, end to end on the real engine and the stand-in. Asserts the SHAPE of the results
 * only — never a timing and never which contender is faster (that is what `npm run bench` reports).
 */
import { engineOverhead, runBench, toMarkdown, type ScenarioResult } from "../../bench/run";

test("bench harness: N = 3, every scenario of both contenders measured", async () => {
  const lines: string[] = [];
  const r = await runBench({
    ns: [3],
    scale: 0.002,
    contenders: ["ours", "baseline"],
    noopPairs: 1,
    log: (l) => lines.push(l),
  });
  const get = (contender: string, scenario: string): ScenarioResult => {
    const found = r.results.find((x) => x.contender === contender && x.scenario === scenario);
    if (!found) throw new Error(`no result for ${contender} ${scenario}: ${lines.join("\n")}`);
    return found;
  };
  for (const scenario of ["create", "refresh", "change10", "destroy"]) {
    for (const contender of ["ours", "baseline"]) {
      const x = get(contender, scenario);
      expect({ contender, scenario, ok: x.ok, error: x.error }).toEqual({
        contender,
        scenario,
        ok: true,
        error: undefined,
      });
      expect(x.wallMs).toBeGreaterThan(0);
      expect(x.floor?.parallelMs).toBeGreaterThan(0);
      expect(x.floor!.onePowerShellMs).toBeGreaterThanOrEqual(x.floor!.parallelMs);
      expect(Object.values(x.calls).every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    }
    const ours = get("ours", scenario);
    expect(ours.peakRssMb).toBeGreaterThan(0);
    expect(ours.providerProcesses).toBeGreaterThanOrEqual(1);
  }
  // Calls are counted: creating 3 bots writes 3 accounts, 3 licences and 3 numbers either way.
  const oursCreate = get("ours", "create");
  const baseCreate = get("baseline", "create");
  expect(oursCreate.changes?.create).toBe(14); // 3 bots × 4 + stack + number plan
  expect(oursCreate.writes["teams New-CsOnlineApplicationInstance"]).toBe(3);
  expect(oursCreate.writes["graph assignLicense"]).toBe(3);
  expect(baseCreate.writes["teams New-CsOnlineApplicationInstance"]).toBe(3);
  expect(baseCreate.writes["teams Set-CsPhoneNumberAssignment"]).toBe(3);
  // Processes and connects are counted: the provider's one host vs one process per cmdlet.
  expect(oursCreate.pwshProcesses).toBe(1);
  expect(oursCreate.calls.connects).toBe(1);
  expect(baseCreate.pwshProcesses).toBe(9);
  expect(baseCreate.calls.connects).toBe(9);
  expect(oursCreate.calls.graphHttp).toBeGreaterThan(0);
  expect(get("ours", "noopUp").calls.graphHttp).toBe(0);
  // The engine-overhead reference: the same shape of trivial dynamic resources, no tenant call.
  const reference = get("minimal", "noopUp");
  expect({ ok: reference.ok, error: reference.error, graphHttp: reference.calls.graphHttp }).toEqual({
    ok: true,
    error: undefined,
    graphHttp: 0,
  });
  expect(reference.peakRssMb).toBeGreaterThan(0);
  expect(engineOverhead(r, 3)?.ratioOfMedians).toBeGreaterThan(0);
  // Every measurement carries the machine's load average.
  expect(r.results.every((x) => x.loadAvg?.before.length === 3 && x.loadAvg.after.length === 3)).toBe(true);
  const md = toMarkdown(r);
  expect(md).toContain("| 3 | create |");
  expect(md).toContain("| 3 | change 10 % |");
  expect(md).toContain("Engine overhead");
});
