#pragma once
#include "coordinator/config.h"

namespace potluck::coordinator {

// `potluck serve`: runs until SIGINT/SIGTERM, then shuts down gracefully.
// Returns the process exit code. Start-up failures throw.
int run_coordinator(const CoordinatorConfig& config);

}  // namespace potluck::coordinator
