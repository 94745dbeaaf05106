export { addWorkingHours, calendarStatus, type OpeningStatus } from './calendar'
export { holidayOn } from './days'
