"""Writes ratings.csv, the small ML-20M-shaped fixture of the notebook-split test.

Run once by hand: python3 make_fixture.py. Chosen so that every rule of the
notebook's preprocessing matters: user ids out of order in the file and of
different digit counts (numeric vs text order), ratings at and below 3.5,
users left with fewer than 5 positives (filtered), items only some held-out
users rated (dropped from their rows), no duplicate (user, movie) pair.
"""
import random

random.seed(7)
users = random.sample(range(1, 400), 64)
rows = []
for u in users:
    n = random.choice([3, 4, 6, 8, 10, 12, 15, 20, 25])
    for m in random.sample(range(1, 90), n):
        # Popular movies are the small ids: a few rare ones end up rated by held-out users only.
        movie = m if random.random() < 0.8 else m * 7 + 1000
        rows.append((u, movie, random.choice([1.0, 2.5, 3.5, 4.0, 4.5, 5.0, 5.0, 4.0]), random.randrange(10**9)))
seen = set()
unique = []
for r in rows:
    if (r[0], r[1]) not in seen:
        seen.add((r[0], r[1]))
        unique.append(r)
unique.sort(key=lambda r: r[3])  # file order by timestamp: users interleave
with open("ratings.csv", "w") as f:
    f.write("userId,movieId,rating,timestamp\n")
    for u, m, r, t in unique:
        f.write(f"{u},{m},{r},{t}\n")
print(len(unique), "rows")
