// `node -r register-ts.js file.ts`: run the TypeScript sources in a plain node process, for tests
// that need a real child process (signals, exit codes) without a build. Each .ts file is
// transpiled on require, and the chaincode's dist paths map to its sources as jest.config.js does.
const ts = require('typescript');
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const chaincodeSources = path.resolve(__dirname, '../../../chaincode/src');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
    if (request.startsWith('@sealpact/chaincode/dist/')) {
        request = path.join(chaincodeSources, request.slice('@sealpact/chaincode/dist/'.length));
    }
    return resolveFilename.call(this, request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: filename,
    });
    module._compile(outputText, filename);
};
