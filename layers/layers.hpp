#pragma once
// Umbrella header of layers/: every public header of the folder.
