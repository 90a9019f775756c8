/** Linux's user-visible numbers (include/uapi): prot bits, mmap flags, open flags. */
export const PROT_NONE = 0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_TYPE = 0x0f;
/** hugetlb pages (include/uapi/asm-generic/mman-common.h, hugetlb_encode.h). */
export const MAP_HUGETLB = 0x40000;
export const MAP_HUGE_SHIFT = 26;
export const MAP_HUGE_MASK = 0x3f;
export const MAP_HUGE_2MB = 21 << MAP_HUGE_SHIFT;
export const MAP_HUGE_1GB = 30 << MAP_HUGE_SHIFT;
export const MAP_KNOWN = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_HUGETLB | (MAP_HUGE_MASK << MAP_HUGE_SHIFT);

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;

export type AccessKind = 'read' | 'write' | 'exec';

/** Outcome of one access, in the order the fault path decides it. Numeric codes are the packed form. */
export const Outcome = Object.freeze({
  PRESENT: 0,
  MINOR_FAULT: 1,
  SIGSEGV: 2,
  SIGBUS: 3,
});
export type OutcomeCode = 0 | 1 | 2 | 3;
export const OUTCOME_NAMES = ['present', 'minor_fault', 'sigsegv', 'sigbus'] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];
