"""Prints NumPy's legacy RandomState sequences that vectors.json pins down.

Run once by hand (Debian's python3-numpy 1.24.2) to regenerate vectors.json:
    python3 make_vectors.py > vectors.json && npx prettier --write vectors.json
The tests read vectors.json only; they never run Python.
"""
import json
import numpy as np

out = {"numpy": np.__version__}

rs = np.random.RandomState(98765)
out["seed98765_key_head"] = [int(x) for x in rs.get_state()[1][:8]]
out["seed98765_uint32"] = [int(x) for x in rs.randint(0, 2**32, size=12, dtype=np.uint32)]

rs = np.random.RandomState(0)
out["seed0_uint32"] = [int(x) for x in rs.randint(0, 2**32, size=1300, dtype=np.uint32)][-8:]

rs = np.random.RandomState(12345)
out["seed12345_randint"] = {str(h): [int(x) for x in rs.randint(0, h, size=10)] for h in (1, 2, 3, 7, 100, 1000, 65537, 2**31 - 1)}

out["permutation"] = {}
for n in (1, 2, 5, 10, 37, 1000):
    np.random.seed(98765)
    out["permutation"][str(n)] = [int(x) for x in np.random.permutation(n)]

np.random.seed(98765)
out["choice_sequence"] = [
    [int(x) for x in np.random.choice(n, size=int(0.2 * n), replace=False)] for n in (5, 9, 13, 40, 7, 101, 5)
]
print(json.dumps(out))
