#!/usr/bin/env bash
# Fails when core/ (outside the std platform headers) names a concurrency or time primitive
# directly instead of going through the platform P (docs/DESIGN.md section 2).
set -u
cd "${1:-$(dirname "$0")/..}"
allowed='core/include/sluice/(std_platform|std_parker)\.hpp$'
pattern='std::atomic[^_]|std::atomic_thread_fence|std::thread|std::jthread|std::this_thread|std::chrono::[a-z_]*clock::now|steady_clock::now|system_clock::now|syscall\(|futex|std::mutex|std::condition_variable|operator new|[^:a-z_]new [A-Za-z_:]|[^a-z_]delete [A-Za-z_]|std::make_shared|std::make_unique'
status=0
while IFS= read -r f; do
  [[ "$f" =~ $allowed ]] && continue
  # Comments may mention the names; code may not.
  # A class's own operator new that allocates through P::allocate (or allocate_frame<P>, which
  # calls the platform's frame allocator) is the seam itself.
  hits=$(sed -e 's://.*$::' "$f" | grep -nE "$pattern" | grep -vE 'operator new\([^)]*\) *\{ *return (P::allocate|allocate_frame<P>)\(' || true)
  if [ -n "$hits" ]; then
    echo "platform seam broken in $f:"
    echo "$hits" | sed 's/^/    /'
    status=1
  fi
done < <(find core/include -name '*.hpp' | sort)
[ $status -eq 0 ] && echo "platform seam: ok (core/ names no std concurrency or clock primitive outside the std platform)"
exit $status
