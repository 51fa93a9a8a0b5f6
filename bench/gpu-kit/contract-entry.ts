// The engine and model contract suites, as one bundle for the GPU kit (vitest aliased to vitest-shim.js).
import '../../libs/engine/test/engines.test';
import '../../libs/cf/test/model/engine-contract.test';
