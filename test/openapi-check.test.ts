import { describe, expect, it } from 'vitest';
import { checkAnswer, checkedAnswers, uncheckedOperations } from './support/openapi-check';

// The checker the end-to-end tests rely on, on answers made up here: it must refuse what the document does not promise.
const importance = {
  method: 'ped-anova',
  metric: 'ndcg100',
  trials: 2,
  needed: 3,
  insufficient: true,
  importance: {},
};
const JSON_TYPE = 'application/json; charset=utf-8';

describe('checkAnswer', () => {
  it('takes an answer as documented, and counts its operation as checked', () => {
    expect(uncheckedOperations()).toContain('GET /sweeps/{id}/importance 200');
    checkAnswer('GET', '/sweeps/s1/importance', 200, importance, JSON_TYPE);
    expect(checkedAnswers).toContain('GET /sweeps/{id}/importance 200');
    expect(uncheckedOperations()).not.toContain('GET /sweeps/{id}/importance 200');
  });

  it('refuses a field the document does not name, naming it, and counts no such answer as checked', () => {
    expect(() =>
      checkAnswer('GET', '/sweeps/s1/importance', 200, { ...importance, shares: {} }, JSON_TYPE),
    ).toThrow(/GET \/sweeps\/\{id\}\/importance 200: .*"additionalProperty":"shares"/);
    expect(() => checkAnswer('GET', '/sweeps/s1/comparison', 200, {}, JSON_TYPE)).toThrow(/required/);
    expect(uncheckedOperations()).toContain('GET /sweeps/{id}/comparison 200');
  });

  it('refuses a missing field, a wrong type, an undocumented status and an undocumented content type', () => {
    const { needed: _, ...missing } = importance;
    expect(() => checkAnswer('GET', '/sweeps/s1/importance', 200, missing, JSON_TYPE)).toThrow(/needed/);
    expect(() =>
      checkAnswer('GET', '/sweeps/s1/importance', 200, { ...importance, trials: '2' }, JSON_TYPE),
    ).toThrow(/trials/);
    expect(() => checkAnswer('GET', '/sweeps/s1/importance', 418, {}, JSON_TYPE)).toThrow(
      /status is not documented/,
    );
    const error = { statusCode: 404, message: 'sweep "s1" not found' };
    expect(() => checkAnswer('GET', '/sweeps/s1/report', 404, error, 'text/html; charset=utf-8')).toThrow(
      /answered text\/html, documented application\/json/,
    );
  });

  it('lets through what is not an operation: a wrong path or method answered 404', () => {
    checkAnswer('GET', '/no/such/route', 404, {}, JSON_TYPE);
    checkAnswer('PUT', '/sweeps/s1', 404, {}, JSON_TYPE);
    expect(() => checkAnswer('PUT', '/sweeps/s1', 200, {}, JSON_TYPE)).toThrow(/no such operation/);
  });
});
