"""Hand-computed values for CompatibilityLossTests (pure Python math, no torch): two tokens of one sequence,
V = 3, T = 2. Student argmax [0, 2] vs labels [0, 1] → MUSCLE mask m = [0, 1]; old argmax [0, 1] (right on both)."""
import math


def ls(z, T=1):
    m = max(x / T for x in z)
    s = sum(math.exp(x / T - m) for x in z)
    return [x / T - m - math.log(s) for x in z]


def kl(zt, zs, T):  # forward KL(p_teacher^T || p_student^T)
    lt, l2 = ls(zt, T), ls(zs, T)
    return sum(math.exp(a) * (a - b) for a, b in zip(lt, l2))


zs = [[2, 1, 0], [0, 0, 3]]
y = [0, 1]
zo = [[2, 0.5, 0], [1, 3, 0]]
zn = [[3, 0, 0], [0, 2, 0]]
T = 2
ce = [-ls(zs[i])[y[i]] for i in range(2)]
klo = [kl(zo[i], zs[i], T) for i in range(2)]
kln = [kl(zn[i], zs[i], T) for i in range(2)]
out = {
    "Muscle": kln[0] + klo[1],
    "OldCorrect": klo[0] + klo[1],
    "KlOld": klo[0] + klo[1],
    "ReverseDirection": kl(zs[0], zn[0], T) + kl(zs[1], zo[1], T),
}
out["MuscleT2"] = 4 * out["Muscle"]
out["MuscleCe03"] = 0.3 * out["Muscle"] + 0.7 * sum(ce)
lpo = [ls(zo[i])[y[i]] for i in range(2)]
lps = [-c for c in ce]
out["TokenLl05"] = 0.5 * sum(klo[i] if lps[i] < lpo[i] else kln[i] for i in range(2)) + 0.5 * sum(ce)
out["SeqLl05"] = 0.5 * (sum(klo) if sum(lps) < sum(lpo) else sum(kln)) + 0.5 * sum(ce)
w = [6, 6]  # focal: 1 + 5·1[old right]
out["FocalKl"] = sum(ce[i] + w[i] * T * T * klo[i] for i in range(2))


def cent(z):
    m = sum(z) / len(z)
    return [x - m for x in z]


d = [0.5 * sum((a - b) ** 2 for a, b in zip(cent(zs[i]), cent(zo[i]))) / 3 for i in range(2)]
out["FocalLm"] = sum(ce[i] + w[i] * d[i] for i in range(2))
better = (-sum(lpo) / 2) <= (sum(ce) / 2)
out["XieBetter"] = sum((0.5 * T * T * klo[i] + 0.5 * ce[i]) if better else ce[i] for i in range(2))
out["Vanilla"] = sum(ce)
for k, v in out.items():
    print(f"    public const double {k} = {v!r};")

# Choice level (ChoiceLossTests): item 0 has 2 choices, item 1 has 3; gold [1, 0]; T = 2.
S = [[-1, -2], [-0.2, -0.5, -1]]
g = [1, 0]
O = [[-2, -1], [-1, -2, -3]]
N = [[-1.5, -1], [-2, -1, -3]]
mc = sum(kl(O[i], S[i], T) if S[i].index(max(S[i])) != g[i] else kl(N[i], S[i], T) for i in range(2))
fc = sum((1 + 5 * (O[i].index(max(O[i])) == g[i])) * T * T * kl(O[i], S[i], T) for i in range(2))
print(f"    public const double MuscleChoice = {mc!r};")
print(f"    public const double FocalChoice = {fc!r};")

# A fixture on which every token-level mask differs (CompatibilityLossTests.EveryMaskIsDistinguished): four tokens
# in two sequences, V = 3, T = 2. Student argmax [0, 2, 2, 1] vs labels [0, 1, 2, 0] → MUSCLE m = [0, 1, 0, 1];
# old argmax [1, 1, 2, 1] → old-correct [0, 1, 1, 0]; kl-old [1, 1, 1, 1]; token-ll [1, 1, 1, 0]; seq-ll [1, 1, 0, 0].
zs2 = [[0.5, 0.4, 0], [0, 0, 3], [0, 1, 3], [0, 3, 1]]
y2 = [0, 1, 2, 0]
zo2 = [[1, 1.1, -5], [1, 3, 0], [0, 0, 4], [0, 5, 0]]
zn2 = [[3, 0, 0], [0, 2, 0], [0, 0, 1], [2, 1, 0]]
seq2 = [0, 0, 1, 1]
ce2 = [-ls(zs2[i])[y2[i]] for i in range(4)]
klo2 = [kl(zo2[i], zs2[i], T) for i in range(4)]
kln2 = [kl(zn2[i], zs2[i], T) for i in range(4)]
lpo2 = [ls(zo2[i])[y2[i]] for i in range(4)]
lps2 = [-c for c in ce2]
masks = {
    "Muscle": [zs2[i].index(max(zs2[i])) != y2[i] for i in range(4)],
    "OldCorrect": [zo2[i].index(max(zo2[i])) == y2[i] for i in range(4)],
    "KlOld": [True] * 4,
    "TokenLl": [lps2[i] < lpo2[i] for i in range(4)],
    "SeqLl": [sum(lps2[j] for j in range(4) if seq2[j] == seq2[i]) < sum(lpo2[j] for j in range(4) if seq2[j] == seq2[i]) for i in range(4)],
}
assert len({tuple(m) for m in masks.values()}) == len(masks), masks
print("    // masks:", {k: [int(b) for b in v] for k, v in masks.items()})
for k, m in masks.items():
    comp = sum(klo2[i] if m[i] else kln2[i] for i in range(4))
    total = 0.5 * comp + 0.5 * sum(ce2) if k in ("TokenLl", "SeqLl") else comp
    print(f"    public const double {k}Distinct = {total!r};")
