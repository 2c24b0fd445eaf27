import { SealpactContract } from './contract';

export { SealpactContract } from './contract';

/** The contracts fabric-chaincode-node serves (`fabric-chaincode-node start|server`). */
export const contracts: (typeof SealpactContract)[] = [SealpactContract];
