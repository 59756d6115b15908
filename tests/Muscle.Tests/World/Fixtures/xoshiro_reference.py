# Reference values for WorldRandomTests: SplitMix64 (seed 0) -> xoshiro256** state, first outputs.
# Transcribed from the public-domain C code at https://prng.di.unimi.it/ (splitmix64.c, xoshiro256starstar.c).
M = (1 << 64) - 1

def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)

def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M

def xoshiro(seed, n):
    st, s = seed, []
    for _ in range(4):
        st, z = splitmix64(st)
        s.append(z)
    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out

print("state from splitmix64(0):", [hex(x) for x in [splitmix64(0)[1]]])
print("xoshiro256** seed 0:", ", ".join("0x%016XUL" % x for x in xoshiro(0, 3)))
