// Onboard a tenant with nothing but mongosh (no zpm client): one Tenant document and one IntegrationSpec per
// activated catalog integration. The operator (zpm run) creates the tenant's network, allocates host ports and runs
// one container per integration. Needs the catalog first: zpm apply -f samples/catalog.yaml
//   TENANT=demo mongosh "mongodb://127.0.0.1:27017/zpm?directConnection=true" -u zpm-admin -p --authenticationDatabase admin --file samples/mongosh/onboard-tenant.js
//   (-p prompts; the password of the embedded store that zpm run starts is in .zpm/mongo/zpm-admin.password)
// Then: zpm get integrations -t demo; zpm ports -t demo (or db.port_allocations.find({ tenant: "demo" })).
// The _id values follow zpm's contract ("<code>" and "<code>/<integration>"); any other _id works too.
const tenant = process.env.TENANT || "demo";

db.tenants.insertOne({
  _id: tenant,
  apiVersion: "zpm/v1",
  kind: "Tenant",
  metadata: { name: tenant },
  spec: { displayName: "Tenant " + tenant, suspended: false }
});
print("inserted tenant " + tenant);

const integrations = [
  { name: "siem-forwarder", integration_id: 101, parameters: { api_url: "https://siem.example/" + tenant, api_key: "key-" + tenant } },
  { name: "edr-connector", integration_id: 102, parameters: { client_id: tenant + "-client", client_secret: "secret-" + tenant, region: "eu-central" } },
  { name: "threat-intel-feed", integration_id: 103, parameters: { feed_url: "https://ti.example/feed" } }
];
for (const integration of integrations) {
  db.integrations.insertOne({
    _id: tenant + "/" + integration.name,
    apiVersion: "zpm/v1",
    kind: "IntegrationSpec",
    metadata: { name: integration.name, tenant: tenant },
    spec: { integration_id: integration.integration_id, enabled: true, parameters: integration.parameters, replicas: 1 }
  });
  print("inserted integration " + tenant + "/" + integration.name + " (integration_id " + integration.integration_id + ")");
}
