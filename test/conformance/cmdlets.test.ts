/**
 * Conformance: the documented examples of the Teams cmdlets the stand-in plays
 * (test/conformance/cases/cmdlets/*.json), replayed over the Teams admin endpoint it forwards to.
 */
import { FixtureInput } from "../../emulator";
import { withEmulator } from "../helpers/emulator";
import { cmdletCaseFiles, CmdletReplayer, conformanceFixture } from "./replay";

const emu = withEmulator(
  { licenceProvisioningDelayMs: 0, operationDurationMs: 0, replicationDelayMs: 0 },
  { fixture: conformanceFixture() as unknown as FixtureInput },
);
const files = cmdletCaseFiles();

afterAll(() => {
  const rows = files.map(
    ({ file }) =>
      `${String(file.cases.length).padStart(3)} replayed, ${file.excluded.length} excluded  ${file.endpoint}`,
  );
  console.log(`documented cmdlet examples:\n${rows.join("\n")}`);
});

describe.each(files.map((f) => [f.name, f.file] as const))("%s", (_name, file) => {
  test.each(file.cases.map((c) => [c.example, c] as const))("%s", async (_example, c) => {
    expect(await new CmdletReplayer(emu()).replay(c)).toEqual([]);
  });
});
