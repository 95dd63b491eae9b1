// DataType enum names as tensorflow/core/framework/types.proto spells them (TF-SEMANTICS §4.4:
// DT_INT4 = 29, DT_UINT4 = 30 and the other newer values, verified against TensorBoard's synced copy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TF_DTYPE_ENUM, dtypeFromEnum, tfDtypeName } from '../../../src/formats/tf-bundle/dtypes.js';

test('every mapped dtype round-trips through its enum number', () => {
  for (const [d, n] of Object.entries(TF_DTYPE_ENUM)) assert.equal(dtypeFromEnum(n), d);
  assert.equal(tfDtypeName(1), 'DT_FLOAT');
  assert.equal(tfDtypeName(19), 'DT_HALF');
  assert.equal(tfDtypeName(14), 'DT_BFLOAT16');
});

test('the newer enum values have their TF names, not DataType(n), and are not readable', () => {
  const want: Record<number, string> = {
    26: 'DT_FLOAT8_E4M3FNUZ', 27: 'DT_FLOAT8_E4M3B11FNUZ', 28: 'DT_FLOAT8_E5M2FNUZ',
    29: 'DT_INT4', 30: 'DT_UINT4', 31: 'DT_INT2', 32: 'DT_UINT2', 33: 'DT_FLOAT4_E2M1FN',
  };
  for (const [n, name] of Object.entries(want)) {
    assert.equal(tfDtypeName(Number(n)), name);
    assert.equal(tfDtypeName(Number(n) + 100), `${name}_REF`);
    assert.equal(dtypeFromEnum(Number(n)), undefined);
  }
  assert.equal(tfDtypeName(20), 'DT_RESOURCE');
  assert.equal(tfDtypeName(77), 'DataType(77)');
});
