import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainLoadError } from './native.ts';

describe('explainLoadError', () => {
  it('says which package a missing library comes from', () => {
    assert.match(explainLoadError('libbpf.so.1: cannot open shared object file: No such file or directory'), /^ebpf: libbpf\.so\.1 is not installed \(apt-get install libbpf1\)/);
    assert.match(explainLoadError('libelf.so.1: cannot open shared object file'), /apt-get install libelf1/);
  });

  it('says to rebuild an addon built for another node', () => {
    assert.match(explainLoadError('was compiled against a different Node.js version using NODE_MODULE_VERSION 115'), /rebuild it with \.\/dev setup/);
    assert.equal(explainLoadError('boom'), 'ebpf: cannot load the native addon: boom');
  });
});
