/**
 * Conformance: every documented HTTP example of the Graph and Entra endpoints the emulator serves
 * (test/conformance/cases/*.json) replayed against one emulator seeded with the examples' own ids.
 */
import { FixtureInput } from "../../emulator";
import { withEmulator } from "../helpers/emulator";
import { caseFiles, compareResponse, conformanceFixture, Replayer } from "./replay";

const emu = withEmulator(
  { licenceProvisioningDelayMs: 0, operationDurationMs: 0, replicationDelayMs: 0 },
  { fixture: conformanceFixture() as unknown as FixtureInput },
);
const files = caseFiles();

afterAll(() => {
  const rows = files.map(
    ({ file }) =>
      `${String(file.cases.length).padStart(3)} replayed, ${file.excluded.length} excluded  ${file.endpoint}`,
  );
  console.log(`documented examples per endpoint:\n${rows.join("\n")}`);
});

describe.each(files.map((f) => [f.name, f.file] as const))("%s", (_name, file) => {
  test.each(file.cases.map((c) => [c.example, c] as const))("%s", async (_example, c) => {
    expect(await new Replayer(emu()).replay(c)).toEqual([]);
  });
  test("every excluded example names its reason", () => {
    for (const x of file.excluded) expect(x.reason.length).toBeGreaterThan(10);
  });
});

describe("the comparer is not blind", () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): [Response, string] => {
    const text = JSON.stringify(body);
    return [new Response(text, { status, headers: { "content-type": "application/json", ...headers } }), text];
  };
  const ids = { "request-id": "0f8fad5b-d9cb-469f-a165-70867728950e" };
  test("a missing field, a wrong type, a wrong @odata.type, a wrong status and a missing request-id are each reported", () => {
    const doc = { status: 200, body: { "@odata.type": "#a.b", id: "x", n: 1, list: [{ k: "v" }] } };
    expect(
      compareResponse(doc, ...json(200, { "@odata.type": "#a.b", id: "y", n: 2, list: [{ k: "w" }] }, ids), true),
    ).toEqual([]);
    expect(compareResponse(doc, ...json(200, { "@odata.type": "#a.b", n: 1, list: [] }, ids), true)).toEqual([
      "id: missing",
    ]);
    expect(compareResponse(doc, ...json(200, { "@odata.type": "#a.b", id: "x", n: "1", list: [] }, ids), true)).toEqual(
      ["n: string, documented number"],
    );
    expect(
      compareResponse(doc, ...json(200, { "@odata.type": "#c", id: "x", n: 1, list: [] }, ids), true),
    ).toHaveLength(1);
    expect(
      compareResponse(doc, ...json(201, { "@odata.type": "#a.b", id: "x", n: 1, list: [] }, ids), true),
    ).toHaveLength(1);
    expect(compareResponse(doc, ...json(200, { "@odata.type": "#a.b", id: "x", n: 1, list: [] }), true)).toEqual([
      "no request-id header with a GUID",
    ]);
  });
  test("$batch inner responses: a missing OData-Version or a differently named Content-Type is reported", () => {
    const docHeaders = { "Content-Type": "application/json;odata.metadata=minimal", "OData-Version": "4.0" };
    const doc = { status: 200, body: { responses: [{ id: "1", status: 200, headers: docHeaders }] } };
    const inner = (headers: Record<string, string>) =>
      json(200, { responses: [{ id: "1", status: 200, headers }] }, ids);
    expect(compareResponse(doc, ...inner(docHeaders), true)).toEqual([]);
    expect(compareResponse(doc, ...inner({ "Content-Type": "application/json" }), true)).toEqual([
      "responses[id=1].headers: OData-Version undefined, documented 4.0",
    ]);
    expect(
      compareResponse(doc, ...inner({ "content-type": "application/json", "OData-Version": "4.0" }), true),
    ).toHaveLength(1);
  });
  test("exactKeys reports undocumented fields; exact paths compare values", () => {
    const doc = { status: 200, body: { value: [{ a: 1 }] }, exactKeys: true, exact: ["value.0.a"] };
    expect(compareResponse(doc, ...json(200, { value: [{ a: 1, b: 2 }] }, ids), true)).toEqual([
      "value[0].b: not documented",
    ]);
    expect(compareResponse(doc, ...json(200, { value: [{ a: 2 }] }, ids), true)).toEqual([
      "value.0.a: 2, documented 1",
    ]);
  });
});
