// `node -r register-ts.js file.ts`: run the TypeScript sources in a plain node process, for tests
// that need a real child process (signals, exit codes) without a build. Each .ts file is
// transpiled on require, and @sealpact/protocol maps to its sources as jest.config.js does.
const ts = require('typescript');
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const protocolSources = path.resolve(__dirname, '../../../protocol/src');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
    if (request === '@sealpact/protocol') {
        request = protocolSources;
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
