// The CIDR arithmetic behind the schema's network checks (stacks/net.ts), on literal addresses. Expected integers are
// the dotted quads in base 256 (10.0.0.0 = 10 * 2^24 = 167772160); the private ranges are RFC 1918's.
import * as assert from "node:assert/strict";
import { cidrContains, cidrsOverlap, isNetworkAddress, isPrivateRange, parseCidr } from "../../stacks/net";

const cidr = (text: string) => {
    const parsed = parseCidr(text);
    assert.ok(parsed, `${text} parses`);
    return parsed;
};

describe("IPv4 CIDR helpers (stacks/net.ts)", () => {
    it("parses a.b.c.d/n, a bare address as /32, and the whole space as /0", () => {
        assert.deepEqual(parseCidr("10.0.0.0/8"), { address: 167772160, prefix: 8 });
        assert.deepEqual(parseCidr("192.168.1.1"), { address: 3232235777, prefix: 32 });
        assert.deepEqual(parseCidr("10.0.0.0/32"), { address: 167772160, prefix: 32 });
        assert.deepEqual(parseCidr("0.0.0.0/0"), { address: 0, prefix: 0 });
        assert.deepEqual(parseCidr("198.51.100.0/26"), { address: 3325256704, prefix: 26 });
    });

    it("refuses anything else: extra parts, bad addresses, bad or too long prefixes, host bits", () => {
        for (const text of [
            "10.0.0.0/8/1",
            "010.0.0.0/8",
            "10.0.0.256/8",
            "10.0.0.0/",
            "10.0.0.0/x",
            "10.0.0.0/8x",
            "10.0.0.0/x8",
            "10.0.0.0/008",
            "0.0.0.0/33",
            "0.0.0.0/99",
            "10.0.0.1/8",
            "10.0.0.0/-1",
            "",
        ]) {
            assert.equal(parseCidr(text), undefined, text);
        }
    });

    it("knows which addresses a range contains, /0 containing all", () => {
        assert.equal(cidrContains(cidr("10.0.0.0/8"), "10.255.255.255"), true);
        assert.equal(cidrContains(cidr("10.0.0.0/8"), "11.0.0.0"), false);
        assert.equal(cidrContains(cidr("0.0.0.0/0"), "8.8.8.8"), true);
        assert.equal(cidrContains(cidr("198.51.100.0/26"), "198.51.100.63"), true);
        assert.equal(cidrContains(cidr("198.51.100.0/26"), "198.51.100.64"), false);
        assert.equal(cidrContains(cidr("10.0.0.0/8"), "10.0.0"), false, "not an address");
    });

    it("finds overlaps either way round, and adjacent ranges apart", () => {
        assert.equal(cidrsOverlap(cidr("10.0.0.0/8"), cidr("10.244.0.0/16")), true);
        assert.equal(cidrsOverlap(cidr("10.244.0.0/16"), cidr("10.0.0.0/8")), true);
        assert.equal(cidrsOverlap(cidr("198.51.100.0/26"), cidr("198.51.100.64/26")), false);
    });

    it("recognises a range's network address only", () => {
        assert.equal(isNetworkAddress(cidr("10.0.0.0/16"), "10.0.0.0"), true);
        assert.equal(isNetworkAddress(cidr("10.0.0.0/16"), "10.0.0.1"), false);
        assert.equal(isNetworkAddress(cidr("10.0.0.0/16"), "10.0.0"), false);
    });

    it("treats exactly RFC 1918's three ranges as private", () => {
        for (const text of [
            "10.1.0.0/16",
            "172.16.0.0/12",
            "172.31.255.0/24",
            "192.168.0.0/16",
            "192.168.10.0/24",
            "0.0.0.0/0",
        ]) {
            assert.equal(isPrivateRange(cidr(text)), true, text);
        }
        for (const text of ["172.32.0.0/16", "172.15.255.0/24", "192.169.0.0/16", "11.0.0.0/8", "198.51.100.0/26"]) {
            assert.equal(isPrivateRange(cidr(text)), false, text);
        }
    });
});
