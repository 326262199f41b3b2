// Offboard a tenant with nothing but mongosh: delete its Tenant document. The operator (zpm run) cascades —
// integrations → services → containers → network zpm-tenant-<code> → port allocations.
//   TENANT=demo mongosh "mongodb://127.0.0.1:27017/zpm?directConnection=true" -u zpm-admin -p --authenticationDatabase admin --file samples/mongosh/offboard-tenant.js
//   (-p prompts; the password of the embedded store that zpm run starts is in .zpm/mongo/zpm-admin.password)
// `zpm tenant offboard demo --wait` does the same but shows phase Removed while the operator works and waits for it.
const tenant = process.env.TENANT || "demo";

const result = db.tenants.deleteOne({ "metadata.name": tenant });
print("deleted " + result.deletedCount + " tenant document(s) for " + tenant + "; the operator removes the rest");
