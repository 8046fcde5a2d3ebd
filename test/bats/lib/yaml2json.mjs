// stdin: a YAML stream (helm template output); stdout: a JSON array of its documents.
import { parseAllDocuments } from 'yaml';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const docs = parseAllDocuments(text).map((d) => d.toJSON()).filter((d) => d);
process.stdout.write(JSON.stringify(docs) + '\n');
