// IPv4 helpers for validating CIDRs in config. node:net does the parsing; only the prefix arithmetic is ours.
import { isIPv4 } from "node:net";

export interface Ipv4Cidr {
    address: number; // network address as an unsigned 32-bit integer
    prefix: number;
}

function toInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function mask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n" (or a bare address as /32). Returns undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
    const [ip, prefixText, ...rest] = text.split("/");
    if (rest.length > 0 || !isIPv4(ip)) {
        return undefined;
    }
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (!/^\d{1,2}$/.test(prefixText ?? "32") || prefix > 32) {
        return undefined;
    }
    const address = toInt(ip);
    if ((address & mask(prefix)) >>> 0 !== address) {
        return undefined;
    }
    return { address, prefix };
}

export function cidrContains(outer: Ipv4Cidr, ip: string): boolean {
    return isIPv4(ip) && (toInt(ip) & mask(outer.prefix)) >>> 0 === outer.address;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    const prefix = Math.min(a.prefix, b.prefix);
    return (a.address & mask(prefix)) >>> 0 === (b.address & mask(prefix)) >>> 0;
}

export function isNetworkAddress(cidr: Ipv4Cidr, ip: string): boolean {
    return isIPv4(ip) && toInt(ip) === cidr.address;
}

/** RFC 1918 private ranges: Key Vault and the AKS authorized-range list only take public addresses. */
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => parseCidr(c)!);

export function isPrivateRange(cidr: Ipv4Cidr): boolean {
    return PRIVATE.some((p) => cidrsOverlap(p, cidr));
}
