// sluice/model.hpp — the model checker's public header: the platform, check(), threads,
// MODEL_ASSERT, options and results. See models/README.md.
#pragma once

#include "sluice/model/check.hpp"
#include "sluice/model/options.hpp"
#include "sluice/model/platform.hpp"
