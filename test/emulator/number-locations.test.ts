/**
 * Emergency locations of numbers in the emulator, as Microsoft documents them (emulator/FIDELITY.md,
 * numbers, issue 22): a location is set on assigned and unassigned numbers alike; unassigning keeps
 * it; removing it is refused for a Calling Plan number and allowed for Direct Routing and Operator
 * Connect numbers. Through the cmdlets (stand-in) and Graph updateNumber.
 */
import { withEmulator } from "../helpers/emulator";
import { Answer, StandIn } from "../helpers/standin";
import { GRAPH_SCOPE, graphClient, msalApp, TEAMS_SCOPE, token } from "../helpers/tenant-clients";

const emu = withEmulator({ licenceProvisioningDelayMs: 0 });
const SEEDED_CP = "3b1c5a7e-0a2d-4f6b-9c8e-1d2f3a4b5c61";
const OTHER = "951fac72-955e-4734-ab74-cc4c0f761c0b";
let nextId = 1;

async function connected(): Promise<StandIn> {
  const s = new StandIn(emu().pwshPath, {});
  await s.nextLine();
  const app = msalApp(emu());
  const r = await s.request({
    id: nextId++,
    type: "connect",
    tenantId: emu().tenantId,
    accessTokens: [await token(app, GRAPH_SCOPE), await token(app, TEAMS_SCOPE)],
  });
  expect(r).toMatchObject({ ok: true });
  return s;
}
const invoke = (s: StandIn, cmdlet: string, parameters: Record<string, unknown>): Promise<Answer | null> =>
  s.request({ id: nextId++, type: "invoke", cmdlet, parameters });
const locationOf = async (s: StandIn, n: string): Promise<unknown> =>
  ((await invoke(s, "Get-CsPhoneNumberAssignment", { TelephoneNumber: n }))!.output as { LocationId: unknown }[])[0]!
    .LocationId;

describe("emergency locations of numbers", () => {
  test("cmdlets: set on an unassigned number, kept through assign and unassign; removal refused for Calling Plan only", async () => {
    const s = await connected();
    try {
      // "You can set the location on both assigned and unassigned phone numbers" (-LocationId).
      expect(
        (await invoke(s, "Set-CsPhoneNumberAssignment", { PhoneNumber: "+14255550103", LocationId: OTHER }))!.ok,
      ).toBe(true);
      expect(await locationOf(s, "+14255550103")).toBe(OTHER);
      // Assigned without -LocationId the number keeps its location; unassigned it keeps it too
      // (example 8 filters unassigned Calling Plan numbers by -LocationId).
      const adele = "1d7a2b3c-8e5f-4a91-8b24-6c3d9e0f1a22";
      expect(
        (await invoke(s, "Remove-CsPhoneNumberAssignment", {
          Identity: adele,
          PhoneNumber: "+14255550151",
          PhoneNumberType: "CallingPlan",
        }))!.ok,
      ).toBe(true);
      expect(await locationOf(s, "+14255550151")).toBe(SEEDED_CP);
      expect(
        (await invoke(s, "Set-CsPhoneNumberAssignment", { PhoneNumber: "+14255550151", LocationId: "null" }))!.error!
          .message,
      ).toContain("Removal of location is not supported for telephone number '+14255550151'");
      // Operator Connect (not service-desk managed) and Direct Routing numbers may lose it.
      expect(
        (await invoke(s, "Set-CsPhoneNumberAssignment", { PhoneNumber: "+14255550302", LocationId: "null" }))!.ok,
      ).toBe(true);
      expect(await locationOf(s, "+14255550302")).toBeNull();
    } finally {
      await s.close();
    }
  });

  test("Graph updateNumber: the same rules ('' clears, refused for a Calling Plan number)", async () => {
    const g = graphClient(emu());
    const update = (body: Record<string, unknown>) =>
      g.api("/admin/teams/telephoneNumberManagement/numberAssignments/updateNumber").post(body);
    await update({ telephoneNumber: "+14255550102", locationId: OTHER });
    await expect(update({ telephoneNumber: "+14255550102", locationId: "" })).rejects.toMatchObject({
      statusCode: 400,
    });
    await update({ telephoneNumber: "+14255550201", locationId: OTHER });
    await update({ telephoneNumber: "+14255550201", locationId: "" });
    const state = await emu().admin.get<{ numbers: { telephoneNumber: string; locationId: string | null }[] }>(
      "/state",
    );
    const loc = (n: string) => state.numbers.find((x) => x.telephoneNumber === n)!.locationId;
    expect([loc("+14255550102"), loc("+14255550201")]).toEqual([OTHER, null]);
  });
});
