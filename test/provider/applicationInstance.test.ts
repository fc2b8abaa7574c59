/** ApplicationInstance lifecycle against the emulator: real msal-node, Graph client, execa → stand-in pwsh. */
import { provider } from "../../provider/resources/applicationInstance";
import { auditSince, captureProgress, checked, startHarness, type Harness } from "./harness";

const APP = "b2a4c6e8-1111-4222-8333-944455556666";
const OTHER_APP = "c3b5d7f9-2222-4333-9444-a55566667777";

type Outs = Record<string, unknown> & { objectId: string };

describe("ApplicationInstance", () => {
  let h: Harness;
  let progress: ReturnType<typeof captureProgress>;
  beforeAll(async () => {
    h = await startHarness();
    await h.configure(provider);
  });
  afterAll(async () => h?.stop());
  beforeEach(() => (progress = captureProgress()));
  afterEach(() => progress.restore());

  const inputs = (upn: string, extra: Record<string, unknown> = {}) =>
    checked<Record<string, unknown>>(provider, { userPrincipalName: upn, displayName: "Incident Bot", applicationId: APP, usageLocation: "us", ...extra });

  test("check", async () => {
    const r = await provider.check!({}, { userPrincipalName: "Incident-Bot@Contoso.com", displayName: " Incident Bot ", applicationId: APP.toUpperCase(), usageLocation: "uk" });
    expect(r.failures).toEqual([{ property: "usageLocation", reason: '"uk" is not an ISO 3166-1 country code: did you mean GB?' }]);
    expect(r.inputs).toMatchObject({ userPrincipalName: "incident-bot@contoso.com", displayName: "Incident Bot", applicationId: APP, adopt: false });
  });

  test("create", async () => {
    const news = await inputs("incident-bot@contoso.com");
    const before = (await h.audit()).length;
    const { id, outs } = await provider.create(news);
    expect(outs).toMatchObject({ objectId: id, tenantId: h.tenantId, userPrincipalName: "incident-bot@contoso.com", applicationId: APP, displayName: "Incident Bot", usageLocation: "US" });
    expect(auditSince(await h.audit(), before)).toEqual(["teams New-CsOnlineApplicationInstance ok", "graph PATCH user ok"]);
    const read = await provider.read!(id, outs);
    expect(read).toEqual({ id, props: outs });
  });
});
