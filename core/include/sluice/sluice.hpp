// sluice/sluice.hpp — the umbrella header: every channel kind on the std platform.
#pragma once

#include "sluice/async.hpp"      // IWYU pragma: export
#include "sluice/async_select.hpp"  // IWYU pragma: export
#include "sluice/broadcast.hpp"  // IWYU pragma: export
#include "sluice/channel.hpp"    // IWYU pragma: export
#include "sluice/oneshot.hpp"    // IWYU pragma: export
#include "sluice/platform.hpp"   // IWYU pragma: export
#include "sluice/result.hpp"     // IWYU pragma: export
#include "sluice/scheduler.hpp"  // IWYU pragma: export
#include "sluice/select.hpp"     // IWYU pragma: export
#include "sluice/selector.hpp"   // IWYU pragma: export
#include "sluice/spsc.hpp"       // IWYU pragma: export
#include "sluice/std_platform.hpp"  // IWYU pragma: export
#include "sluice/watermark.hpp"  // IWYU pragma: export
