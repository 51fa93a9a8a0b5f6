/**
 * The directory the paper's notebook writes (`pro_sg/`) and every later paper
 * reusing its protocol reads: the training item ids one per line, then
 * `uid,sid` CSVs of the training users and of each held-out split's fold-in
 * (`_tr`) and held-out (`_te`) rows. uids number users in the permuted order
 * (training users first, then validation, then test), sids index unique_sid.
 */
export const PRO_SG_ITEMS_FILE = 'unique_sid.txt';
export const PRO_SG_HEADER = 'uid,sid';
export const PRO_SG_FILES = {
  train: 'train.csv',
  validationFoldIn: 'validation_tr.csv',
  validationHeldOut: 'validation_te.csv',
  testFoldIn: 'test_tr.csv',
  testHeldOut: 'test_te.csv',
} as const;
