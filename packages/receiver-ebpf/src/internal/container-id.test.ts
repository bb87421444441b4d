import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerIdOf } from './container-id.ts';

const ID = '4f2b1c9a8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b';

describe('containerIdOf', () => {
  it('reads the id each runtime puts in its cgroup names', () => {
    for (const cgroup of [
      `system.slice/docker-${ID}.scope`,
      `kubepods-burstable-pod1234_abcd.slice/cri-containerd-${ID}.scope`,
      `kubepods-besteffort.slice/crio-${ID}.scope`,
      `machine.slice/libpod-${ID}.scope`,
      `docker/${ID}`,
      `/kubepods/burstable/pod1234-abcd/${ID}`,
      `docker-${ID}.scope/init.scope`,
      `12:memory:/docker/${ID}`,
    ]) assert.equal(containerIdOf(cgroup), ID, cgroup);
  });

  it('finds none where there is none', () => {
    for (const cgroup of ['', '/', 'user.slice/user-0.slice/session-3.scope', 'process_api/919274f30ae803a59b11128cdd3e867f', `x${ID}y`]) {
      assert.equal(containerIdOf(cgroup), undefined, cgroup);
    }
  });
});
