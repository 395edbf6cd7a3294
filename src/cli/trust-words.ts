import type { TrustProblem } from '../core/config/directory-trust.ts';

/** A directory-trust problem (src/core/config/directory-trust.ts) in words, with what to do. */
export function trustWords(problem: TrustProblem): string {
  switch (problem.kind) {
    case 'foreign-owner':
      return `belongs to another user (${problem.detail})`;
    case 'writable-by-others':
      return `other users may write to it (${problem.detail}); remove that with chmod go-w`;
    case 'not-a-directory':
      return `should be a directory (${problem.detail})`;
    case 'not-a-file':
      return `should be a regular file (${problem.detail})`;
    case 'symlink':
      return `is a symbolic link (${problem.detail}); DriveUp writes only to files it creates, remove it`;
  }
}
