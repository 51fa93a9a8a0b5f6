"""The preprocessing cells of the paper's notebook (dawenl/vae_cf,
VAE_ML20M_WWW2018.ipynb), run on ratings.csv with 8 held-out users per split
instead of 10,000; writes expected/pro_sg/. Run once by hand with Debian's
python3-numpy 1.24.2 and python3-pandas 1.5.3:  python3 notebook_split.py

The one change: the notebook's get_count calls groupby(id, as_index=False)
.size(), which on the pandas of 2018 returned a Series indexed by the sorted
ids; pandas >= 1.1 returns a DataFrame there, so this uses groupby(id).size(),
the same Series.
"""
import os
import sys

import numpy as np
import pandas as pd

DATA_DIR = os.path.dirname(os.path.abspath(__file__))
raw_data = pd.read_csv(os.path.join(DATA_DIR, "ratings.csv"), header=0)
raw_data = raw_data[raw_data["rating"] > 3.5]


def get_count(tp, id):
    return tp[[id]].groupby(id).size()


def filter_triplets(tp, min_uc=5, min_sc=0):
    if min_sc > 0:
        itemcount = get_count(tp, "movieId")
        tp = tp[tp["movieId"].isin(itemcount.index[itemcount >= min_sc])]
    if min_uc > 0:
        usercount = get_count(tp, "userId")
        tp = tp[tp["userId"].isin(usercount.index[usercount >= min_uc])]
    usercount, itemcount = get_count(tp, "userId"), get_count(tp, "movieId")
    return tp, usercount, itemcount


raw_data, user_activity, item_popularity = filter_triplets(raw_data)
unique_uid = user_activity.index

np.random.seed(98765)
idx_perm = np.random.permutation(unique_uid.size)
unique_uid = unique_uid[idx_perm]

n_users = unique_uid.size
n_heldout_users = 8

tr_users = unique_uid[: (n_users - n_heldout_users * 2)]
vd_users = unique_uid[(n_users - n_heldout_users * 2) : (n_users - n_heldout_users)]
te_users = unique_uid[(n_users - n_heldout_users) :]

train_plays = raw_data.loc[raw_data["userId"].isin(tr_users)]
unique_sid = pd.unique(train_plays["movieId"])

show2id = dict((sid, i) for (i, sid) in enumerate(unique_sid))
profile2id = dict((pid, i) for (i, pid) in enumerate(unique_uid))

pro_dir = os.path.join(DATA_DIR, "expected", "pro_sg")
os.makedirs(pro_dir, exist_ok=True)

with open(os.path.join(pro_dir, "unique_sid.txt"), "w") as f:
    for sid in unique_sid:
        f.write("%s\n" % sid)


def split_train_test_proportion(data, test_prop=0.2):
    data_grouped_by_user = data.groupby("userId")
    tr_list, te_list = list(), list()

    np.random.seed(98765)

    for i, (_, group) in enumerate(data_grouped_by_user):
        n_items_u = len(group)

        if n_items_u >= 5:
            idx = np.zeros(n_items_u, dtype="bool")
            idx[np.random.choice(n_items_u, size=int(test_prop * n_items_u), replace=False).astype("int64")] = True

            tr_list.append(group[np.logical_not(idx)])
            te_list.append(group[idx])
        else:
            tr_list.append(group)

    data_tr = pd.concat(tr_list)
    data_te = pd.concat(te_list)

    return data_tr, data_te


vad_plays = raw_data.loc[raw_data["userId"].isin(vd_users)]
vad_plays = vad_plays.loc[vad_plays["movieId"].isin(unique_sid)]
vad_plays_tr, vad_plays_te = split_train_test_proportion(vad_plays)

test_plays = raw_data.loc[raw_data["userId"].isin(te_users)]
test_plays = test_plays.loc[test_plays["movieId"].isin(unique_sid)]
test_plays_tr, test_plays_te = split_train_test_proportion(test_plays)


def numerize(tp):
    uid = list(map(lambda x: profile2id[x], tp["userId"]))
    sid = list(map(lambda x: show2id[x], tp["movieId"]))
    return pd.DataFrame(data={"uid": uid, "sid": sid}, columns=["uid", "sid"])


numerize(train_plays).to_csv(os.path.join(pro_dir, "train.csv"), index=False)
numerize(vad_plays_tr).to_csv(os.path.join(pro_dir, "validation_tr.csv"), index=False)
numerize(vad_plays_te).to_csv(os.path.join(pro_dir, "validation_te.csv"), index=False)
numerize(test_plays_tr).to_csv(os.path.join(pro_dir, "test_tr.csv"), index=False)
numerize(test_plays_te).to_csv(os.path.join(pro_dir, "test_te.csv"), index=False)
print(n_users, "users,", len(unique_sid), "items", file=sys.stderr)
