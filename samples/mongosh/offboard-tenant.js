// Offboard a tenant with nothing but mongosh: delete its Tenant document. The operator (zpm run) cascades —
// integrations → services → containers → network zpm-tenant-<code> → port allocations.
//   TENANT=demo mongosh "mongodb://127.0.0.1:27017/zpm?directConnection=true" --file samples/mongosh/offboard-tenant.js
// `zpm tenant offboard demo --wait` does the same but shows phase Removed while the operator works and waits for it.
const tenant = process.env.TENANT || "demo";

const result = db.tenants.deleteOne({ "metadata.name": tenant });
print("deleted " + result.deletedCount + " tenant document(s) for " + tenant + "; the operator removes the rest");
