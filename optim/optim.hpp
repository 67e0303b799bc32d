#pragma once
// Umbrella header of optim/: every public header of the folder.
