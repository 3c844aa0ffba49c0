// A real OpenID Connect provider for the single sign-on tests: panva's certified oidc-provider,
// on the loopback address, with a few test accounts carrying a `groups` claim as Entra ID sends it.
//
//   node provider.js PORT
//
// The client it knows comes from the environment: OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET and
// OIDC_TEST_REDIRECT_URI (the tracker's /oidc/callback/, or several, comma-separated). Sign-in uses the library's development
// pages: any of the accounts below as the login, any password, then "Continue" on the consent page.
// Development mode only, for tests: never a provider for real people.

import crypto from "node:crypto";

import Provider from "oidc-provider";

const port = Number(process.argv[2] || process.env.PORT || 0);
const { OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URI } = process.env;
if (!port || !OIDC_TEST_CLIENT_ID || !OIDC_TEST_CLIENT_SECRET || !OIDC_TEST_REDIRECT_URI) {
  console.error("usage: OIDC_TEST_CLIENT_ID=... OIDC_TEST_CLIENT_SECRET=... OIDC_TEST_REDIRECT_URI=... node provider.js PORT");
  process.exit(2);
}

// Group ids look like Entra's group object ids; the tests map them to roles.
const GROUPS = {
  reviewers: "6f1c2a52-0b8e-4c1e-9a55-2b1f0c7e9a01",
  owners: "0d7e4b1a-3c2f-4f6d-8e9a-1b2c3d4e5f60",
  canteen: "9a9a9a9a-0000-4000-8000-000000000000",
};

const ACCOUNTS = {
  "rita.reviewer": {
    given_name: "Rita",
    family_name: "Reviewer",
    email: "rita.reviewer@herts.example.police.uk",
    groups: [GROUPS.reviewers],
  },
  "olly.owner": {
    given_name: "Olly",
    family_name: "Owner",
    email: "olly.owner@herts.example.police.uk",
    groups: [GROUPS.owners, GROUPS.canteen],
  },
  "nora.nogroup": {
    given_name: "Nora",
    family_name: "Nogroup",
    email: "nora.nogroup@herts.example.police.uk",
    groups: [GROUPS.canteen],
  },
};

const configuration = {
  cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
  clients: [
    {
      client_id: OIDC_TEST_CLIENT_ID,
      client_secret: OIDC_TEST_CLIENT_SECRET,
      redirect_uris: OIDC_TEST_REDIRECT_URI.split(","),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      id_token_signed_response_alg: "RS256",
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  // The subject is the account's login here; Entra's is an opaque id, which the tracker treats alike.
  async findAccount(ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, preferred_username: sub, ...account };
      },
    };
  },
  claims: {
    // Entra ID puts the groups claim in the ID token whatever the scopes: here it comes with "openid".
    openid: ["sub", "groups"],
    email: ["email"],
    profile: ["given_name", "family_name", "preferred_username"],
  },
  scopes: ["openid", "email", "profile"],
  // As Entra ID does: the claims in the ID token too, not only from the userinfo endpoint.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => false },
  // Development only: plain HTTP on loopback, keys made at start.
};

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, configuration);
const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
