// A real OpenID provider (the certified `oidc-provider` package) for the ProConnect tests,
// shaped like ProConnect: authorization code flow, RS256 ID tokens, userinfo returned as a
// signed JWT, `acr` values eidas1..3, RP-initiated logout. Listens on 127.0.0.1 on a free
// port and prints one JSON line with its issuer once it answers; tests/oidc/conftest.py reads
// it. The clients come from the OIDC_TEST_CLIENTS environment variable (a JSON list); more
// may register themselves with the OIDC_TEST_REGISTRATION_TOKEN.
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

function page(title, body) {
  return `<!doctype html><html lang="fr"><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>${body}</html>`;
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
      // The provider's own pages, plain and in French: its default ones fetch a web font
      // from outside, and nothing here may reach past this machine.
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page("Déconnexion", `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Se déconnecter du fournisseur</button>
<button type="submit" form="op.logoutForm">Rester connecté</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page("Déconnecté", "<p>Vous êtes déconnecté du fournisseur.</p>");
        },
      },
      // Dynamic registration, for a test whose redirect URI is known only once it runs (the
      // browser tests' live server); guarded by a token the fixture chooses.
      registration: {
        enabled: Boolean(process.env.OIDC_TEST_REGISTRATION_TOKEN),
        initialAccessToken: process.env.OIDC_TEST_REGISTRATION_TOKEN,
      },
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
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page("Erreur", `<pre>${escapeHtml(JSON.stringify(out))}</pre>`);
    },
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
    res.end(page("Fournisseur de test", `<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
<label>Adresse électronique <input name="email" type="email"></label>
<label>Niveau <input name="acr" value="eidas1"></label>
<button type="submit">S’authentifier chez le fournisseur</button></form>`));
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
