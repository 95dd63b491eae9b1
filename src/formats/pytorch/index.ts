/** PyTorch `torch.save` files (`.pt`, `.pth`, `pytorch_model.bin`), read without executing anything. */
export { openPytorch, type PytorchReader } from './reader.js';
export { allowedGlobals, type TorchStorage, type TorchTensor } from './globals.js';
export { unpickle, CAPS as PICKLE_CAPS, type PickleHooks, type PyValue } from './pickle.js';
