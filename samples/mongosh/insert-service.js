// Create a ServiceSpec with nothing but mongosh (no zpm client): the operator picks it up from the change stream.
//   mongosh "mongodb://127.0.0.1:27017/zpm?directConnection=true" -u zpm-admin -p --authenticationDatabase admin --file samples/mongosh/insert-service.js
//   (-p prompts; the password of the embedded store that zpm run starts is in .zpm/mongo/zpm-admin.password)
// The _id "<tenant>/<name>" is the contract zpm apply uses; any other _id (e.g. mongosh's ObjectId) works too.
db.services.insertOne({
  _id: "system/hello",
  apiVersion: "zpm/v1",
  kind: "ServiceSpec",
  metadata: { name: "hello", tenant: "system" },
  spec: {
    image: "zpm/busybox:latest",
    replicas: 1,
    ports: [{ container: 8080, host: "auto" }],
    healthCheck: { http: { port: 8080, path: "/healthz" }, intervalSeconds: 2 }
  }
});
printjson(db.services.findOne({ _id: "system/hello" }, { status: 1 }));
