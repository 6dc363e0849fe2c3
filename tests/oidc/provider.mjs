// A real OpenID provider (the certified `oidc-provider` package) for the ProConnect tests,
// shaped like ProConnect: authorization code flow, RS256 ID tokens, userinfo returned as a
// signed JWT, `acr` values eidas1..3, RP-initiated logout. Listens on 127.0.0.1 on a free
// port and prints one JSON line with its issuer once it answers; tests/oidc/conftest.py reads
// it. The clients come from the OIDC_TEST_CLIENTS environment variable (a JSON list).
//
// No browser is needed to sign in: the interaction page is a plain HTML form (an e-mail and
// an optional acr) that a test posts with an HTTP client. Any e-mail signs in; the account's
// `sub` is derived from it, so the same e-mail always gets the same `sub`.

import { createHash, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";

import { Provider } from "oidc-provider";

const clients = JSON.parse(process.env.OIDC_TEST_CLIENTS || "[]");
const accounts = new Map();

function accountFor(email) {
  const accountId = "agent-" + createHash("sha256").update(email).digest("hex").slice(0, 24);
  accounts.set(accountId, email);
  return accountId;
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

// A fresh signing key per run: the relying party must fetch it from jwks_uri.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", use: "sig", alg: "RS256" };

const server = createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: ["concertation-test-provider-cookie-key"] },
    // ProConnect's scopes: each names the claim it releases.
    scopes: ["openid", "email", "given_name", "usual_name", "uid", "siret"],
    claims: {
      openid: ["sub"],
      email: ["email"],
      given_name: ["given_name"],
      usual_name: ["usual_name"],
      uid: ["uid"],
      siret: ["siret"],
    },
    acrValues: ["eidas1", "eidas2", "eidas3"],
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    async findAccount(ctx, id) {
      const email = accounts.get(id);
      if (!email) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email,
            given_name: "Camille",
            usual_name: "Agent",
            uid: id,
            siret: "13002526500013",
          };
        },
      };
    },
    // First-party clients: consent is given at once for what was asked (as ProConnect does).
    async loadExistingGrant(ctx) {
      const grantId =
        ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        if (grant) return grant;
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      if (ctx.oidc.claims?.id_token) grant.addOIDCClaims(Object.keys(ctx.oidc.claims.id_token));
      if (ctx.oidc.claims?.userinfo) grant.addOIDCClaims(Object.keys(ctx.oidc.claims.userinfo));
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  const callback = provider.callback();

  async function interaction(req, res) {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== match[1]) throw new Error("interaction mismatch");
    if (req.method === "POST" && match[2]) {
      const form = await readForm(req);
      const login = { accountId: accountFor(form.get("email")), amr: ["pwd"] };
      login.acr = form.get("acr") || "eidas1";
      await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="fr"><title>Fournisseur de test</title>
<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
<input name="email" type="email"><input name="acr" value="eidas1">
<button type="submit">Se connecter</button></form></html>`);
  }

  server.on("request", (req, res) => {
    if (req.url.startsWith("/interaction/")) {
      interaction(req, res).catch((err) => {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(String(err));
      });
    } else {
      callback(req, res);
    }
  });
  process.stdout.write(JSON.stringify({ issuer }) + "\n");
});

// The test fixture stops the provider with SIGTERM; end cleanly so it leaves nothing behind.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
