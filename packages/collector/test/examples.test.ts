// The deployment examples are real: the systemd unit passes systemd-analyze verify with nothing to
// say, the Kubernetes manifests pass the Kubernetes API's schemas (kubernetes-models), and the
// pipeline each one ships passes `oisp-collector validate`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace } from 'kubernetes-models/v1';

const examples = resolve(import.meta.dirname, '../../../examples');
const bin = resolve(import.meta.dirname, '../src/bin.ts');

function validatePipeline(file: string): void {
  const r = spawnSync(process.execPath, [bin, 'validate', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /config is valid/i);
}

describe('deployment examples', () => {
  it('systemd: the unit verifies clean, runs what check needs, and its pipeline is valid', () => {
    const unit = join(examples, 'systemd/oisp-collector.service');
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim() + r.stdout.trim(), '', 'systemd-analyze has nothing to say about it');
    const text = readFileSync(unit, 'utf8');
    assert.match(text, /^ExecStart=\/usr\/bin\/env oisp-collector --config \/etc\/oisp-collector\/pipeline\.yaml$/m);
    const caps = /^AmbientCapabilities=(.*)$/m.exec(text)?.[1].split(/\s+/) ?? [];
    for (const cap of ['CAP_BPF', 'CAP_PERFMON', 'CAP_SYS_ADMIN']) assert.ok(caps.includes(cap), `${cap}, which check requires`);
    validatePipeline(join(examples, 'systemd/pipeline.yaml'));
  });

  it('Kubernetes: every manifest passes the API schemas; the DaemonSet runs the ConfigMap pipeline, which is valid', () => {
    const docs = parseAllDocuments(readFileSync(join(examples, 'kubernetes/daemonset.yaml'), 'utf8')).map((d) => d.toJS());
    const models = { Namespace, ConfigMap, DaemonSet } as const;
    for (const doc of docs) {
      const Model = models[doc.kind as keyof typeof models];
      assert.ok(Model, `a model for ${doc.kind}`);
      new Model(doc).validate(); // throws, naming the field, on anything the schema refuses
    }
    // The schema check can fail: a field of the wrong type is refused.
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    assert.throws(() => new DaemonSet({ ...ds, spec: { ...ds.spec, template: { ...ds.spec.template, spec: { ...ds.spec.template.spec, hostPID: 'yes' } } } }).validate());
    const pod = ds.spec.template.spec;
    assert.equal(pod.hostPID, true, 'the host pid namespace: every process of the node');
    const container = pod.containers[0];
    assert.equal(container.securityContext.privileged, true);
    const configFile = container.command[container.command.indexOf('--config') + 1];
    const mount = container.volumeMounts.find((m: { mountPath: string }) => configFile.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === volume.configMap.name);
    const dir = mkdtempSync(join(tmpdir(), 'oisp-k8s-'));
    const file = join(dir, configFile.slice(mount.mountPath.length + 1));
    writeFileSync(file, configMap.data[configFile.slice(mount.mountPath.length + 1)]);
    validatePipeline(file);
  });
});
