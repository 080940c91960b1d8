// Expands the statement cases of ADL's lrs-conformance-test-suite configs into JSON lines.
// Usage: node conformance_cases.js <suite root> <v1_0_3|v2_0>; run with cwd = <suite root>.
// Only reads the suite (it is not copied here): each line is
// {"file", "group", "name", "expect", "statement"} as the suite would POST it.
"use strict";
const path = require("path");
const fs = require("fs");
const root = path.resolve(process.argv[2]);
const directory = process.argv[3];
process.env.DIRECTORY = directory;
process.env.EB_NODE_COMMAND = "1";  // keep the suite's helper from loading a .env file
process.chdir(root);
const suiteRequire = require("module").createRequire(path.join(root, "test", "helper.js"));
const helper = suiteRequire("./helper.js");
const configDir = path.join(root, "test", directory, "configs");
for (const file of fs.readdirSync(configDir).sort()) {
    if (!file.endsWith(".js")) continue;
    const groups = suiteRequire(path.join(configDir, file)).config();
    for (const group of groups) {
        for (const test of group.config) {
            let statement;
            if (test.templates) {
                const mock = helper.createTestObject(helper.convertTemplate(test.templates));
                statement = mock[Object.keys(mock)[0]];
            } else {
                statement = test.json;
            }
            const line = {file, group: group.name, name: test.name, expect: test.expect, statement};
            process.stdout.write(JSON.stringify(line) + "\n");
        }
    }
}
