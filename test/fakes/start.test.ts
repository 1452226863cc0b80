import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fakes, startFakes } from './index';

describe('startFakes', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await startFakes();
  });
  afterAll(async () => {
    await fakes.close();
  });

  it('starts the three fakes on loopback with the clinic world and its credentials', async () => {
    for (const url of Object.values(fakes.credentials.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fakes.world.name).toBe('clinic');
    const res = await fetch(`${fakes.vapi.url}/assistant`, {
      headers: { authorization: `Bearer ${fakes.credentials.vapi.privateKey}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(3);
  });
});
