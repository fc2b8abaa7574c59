/* eslint-disable @typescript-eslint/no-explicit-any -- contract tests assert on untyped JSON wire bodies */
/**
 * Paging semantics as properties (fast-check), for the directory's `$skiptoken` paging (users,
 * service principals) and the telephone-number inventory's `$skip` paging. Sources: paging.md
 * ("@odata.count … present only in the first page"; ConsistencyLevel is not carried to the next
 * page), query-parameters.md ("The minimum value of $top is 1"), user-list.md, the
 * numberAssignments list page ($top default 500, at most 1,000; $skip).
 */
import fc from "fast-check";

import { loadFixture, type FixtureInput } from "../../emulator";
import { withEmulator } from "../helpers/emulator";
import { GRAPH_SCOPE, msalApp, token } from "../helpers/tenant-clients";

const fixture = structuredClone(loadFixture()) as unknown as FixtureInput & { users: unknown[] };
// 20 more users, so pages of 1..8 make several pages.
for (let i = 0; i < 20; i++)
  fixture.users.push({
    id: `7b000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    userPrincipalName: `pager${i}@contoso.com`,
    displayName: `Pager ${String.fromCharCode(65 + ((i * 7) % 26))}${i}`,
    accountEnabled: i % 3 !== 0,
  });
const emu = withEmulator({ families: { graph: { latencyMs: 0, jitterMs: 0 } } }, { fixture });
const NUMBERS = "/admin/teams/telephoneNumberManagement/numberAssignments";
const stats = { pages: 0, walks: 0 };

let auth = "";
beforeAll(async () => {
  auth = `Bearer ${await token(msalApp(emu()), GRAPH_SCOPE)}`;
});
afterAll(() => console.log(`paging properties: ${stats.walks} walks, ${stats.pages} pages followed`));

async function get(url: string, eventual: boolean): Promise<{ status: number; body: any }> {
  const res = await fetch(url.startsWith("http") ? url : `${emu().url}/v1.0${url}`, {
    headers: { authorization: auth, ...(eventual ? { ConsistencyLevel: "eventual" } : {}) },
  });
  return { status: res.status, body: await res.json() };
}

const directory = fc.record({
  path: fc.constantFrom("/users", "/servicePrincipals"),
  top: fc.integer({ min: 1, max: 12 }),
  eventual: fc.boolean(),
  count: fc.boolean(),
  filter: fc.constantFrom(null, "accountEnabled eq true", "startswith(displayName,'Pager')"),
});

test("directory paging: the pages concatenate to the whole result; @odata.count is on the first page only", async () => {
  await fc.assert(
    fc.asyncProperty(directory, async ({ path, top, eventual, count, filter }) => {
      const base = [filter ? `$filter=${encodeURIComponent(filter)}` : "", count ? "$count=true" : ""].filter(Boolean);
      const all = await get(`${path}?${[...base, "$top=999", "$select=id"].join("&")}`, eventual);
      expect(all.status).toBe(200);
      const expected = all.body.value.map((v: any) => v.id);
      let url = `${emu().url}/v1.0${path}?${[...base, `$top=${top}`, "$select=id"].join("&")}`;
      const seen: string[] = [];
      for (let page = 0; ; page++) {
        // paging.md: the header is not carried to the next page; a client that needs it sends it again.
        const r = await get(url, eventual);
        stats.pages += 1;
        expect(r.status).toBe(200);
        expect(r.body.value.length).toBeLessThanOrEqual(top);
        if (page === 0 && count && eventual) expect(r.body["@odata.count"]).toBe(expected.length);
        else expect(r.body).not.toHaveProperty(["@odata.count"]);
        seen.push(...r.body.value.map((v: any) => v.id));
        const next = r.body["@odata.nextLink"];
        if (!next) break;
        expect(next).not.toBe(url);
        expect(r.body.value).toHaveLength(top);
        url = next;
      }
      expect(seen).toEqual(expected);
      stats.walks += 1;
    }),
    { numRuns: 60 },
  );
}, 120_000);

test("directory paging: a page token of an eventual-consistency query needs the header again; others do not", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("/users", "/servicePrincipals"),
      fc.integer({ min: 1, max: 3 }),
      async (path, top) => {
        const plain = await get(`${path}?$top=${top}&$count=true`, false);
        expect((await get(plain.body["@odata.nextLink"], false)).status).toBe(200);
        const advanced = await get(`${path}?$top=${top}&$count=true`, true);
        const without = await get(advanced.body["@odata.nextLink"], false);
        expect(without.status).toBe(400);
        expect(without.body.error.code).toBe("Request_UnsupportedQuery");
        expect((await get(advanced.body["@odata.nextLink"], true)).status).toBe(200);
      },
    ),
    { numRuns: 12 },
  );
}, 60_000);

test("number inventory paging: $skip/$top select the slice, @odata.nextLink walks the rest, $top ≤ 0 is refused", async () => {
  const full = (await get(NUMBERS, false)).body.value.map((n: any) => n.telephoneNumber);
  expect(full.length).toBeGreaterThan(5);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: -3, max: 8 }),
      fc.integer({ min: 0, max: full.length + 2 }),
      async (top, skip) => {
        const first = await get(`${NUMBERS}?$top=${top}&$skip=${skip}`, false);
        if (top <= 0) {
          expect(first.status).toBe(400);
          expect(first.body.error.innerError.code).toBe("zeroOrFewerResultsRequested");
          return;
        }
        expect(first.status).toBe(200);
        expect(first.body.value.map((n: any) => n.telephoneNumber)).toEqual(full.slice(skip, skip + top));
        const seen: string[] = [];
        let page = first;
        for (;;) {
          seen.push(...page.body.value.map((n: any) => n.telephoneNumber));
          const next = page.body["@odata.nextLink"];
          if (!next) break;
          page = await get(next, false);
          stats.pages += 1;
          expect(page.status).toBe(200);
        }
        expect(seen).toEqual(full.slice(skip));
        stats.walks += 1;
      },
    ),
    { numRuns: 60 },
  );
}, 120_000);
