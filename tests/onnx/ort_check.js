// Test-only driver: runs every case of a folder written by onnx-export-cases
// through ONNX Runtime (onnxruntime-node) and compares with libnn's outputs,
// |ort - libnn| <= 1e-5 * max(1, max|libnn|). Usage: node ort_check.js DIR
// Exit 0 when all agree, 1 otherwise, 77 when onnxruntime-node is missing.
'use strict';
const fs = require('fs');
const path = require('path');

let ort;
try {
    ort = require('onnxruntime-node');
} catch (e) {
    console.log('SKIP: onnxruntime-node is not installed (npm install --no-save --ignore-scripts ' +
                'onnxruntime-node in tests/onnx): ' + e.message);
    process.exit(77);
}

function readFloats(file) {
    const b = fs.readFileSync(file);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

async function main() {
    const dir = process.argv[2];
    const lines = fs.readFileSync(path.join(dir, 'manifest.txt'), 'utf8').trim().split('\n');
    let failed = 0;
    for (const line of lines) {
        // name <in dims, comma separated> <out dims>
        const [name, inDims, outDims] = line.split(' ');
        const dims = inDims.split(',').map(Number);
        const x = readFloats(path.join(dir, name + '.in'));
        const want = readFloats(path.join(dir, name + '.out'));
        let got;
        try {
            const session = await ort.InferenceSession.create(path.join(dir, name + '.onnx'));
            const result = await session.run({input: new ort.Tensor('float32', x, dims)});
            got = result.output;
        } catch (e) {
            console.log(`FAIL ${name}: ONNX Runtime: ${e.message}`);
            failed++;
            continue;
        }
        const shape = got.dims.join(',');
        if (shape !== outDims || got.data.length !== want.length) {
            console.log(`FAIL ${name}: output shape [${shape}], libnn's [${outDims}]`);
            failed++;
            continue;
        }
        let scale = 1, worst = 0, at = 0;
        for (const v of want) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < want.length; i++) {
            const d = Math.abs(got.data[i] - want[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        const ok = worst <= 1e-5 * scale;
        console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: max |diff| ${worst.toExponential(2)} at ${at} ` +
                    `(bound ${(1e-5 * scale).toExponential(2)})`);
        if (!ok) failed++;
    }
    console.log(`${lines.length - failed}/${lines.length} cases agree with ONNX Runtime`);
    process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log('FAIL: ' + e.stack); process.exit(1); });
